    { int ok; CHECK(eval_rpn("3 4 + 2 *", &ok) == 14 && ok == 1); }
