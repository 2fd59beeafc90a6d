    { int v[] = {3, 1, 2}; CHECK(count_inversions(v, 3) == 2); }
