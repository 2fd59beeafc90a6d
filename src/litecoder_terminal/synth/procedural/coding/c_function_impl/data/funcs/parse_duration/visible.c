    { long v = 0; CHECK(parse_duration("1h30m", &v) == 0 && v == 5400); }
    { long v = 7; CHECK(parse_duration("soon", &v) == -1 && v == 7); }
