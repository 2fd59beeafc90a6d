    { long v[] = {-2, 1, -3, 4, -1, 2, 1, -5, 4}; CHECK(max_subarray(v, 9) == 6); }
    { long v[] = {1, 2, 3}; CHECK(max_subarray(v, 3) == 6); }
