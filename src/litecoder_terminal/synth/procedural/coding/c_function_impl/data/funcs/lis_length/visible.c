    { int v[] = {10, 9, 2, 5, 3, 7, 101, 18}; CHECK(lis_length(v, 8) == 4); }
