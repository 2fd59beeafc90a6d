    CHECK(is_balanced("a(b[c]{d})e") == 1);
    CHECK(is_balanced(")(") == 0);
