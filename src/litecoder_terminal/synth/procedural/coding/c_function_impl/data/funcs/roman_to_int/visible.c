    CHECK(roman_to_int("MCMXCIV") == 1994);
    CHECK(roman_to_int("XLII") == 42);
