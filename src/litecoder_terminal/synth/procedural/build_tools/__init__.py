"""Build tools task families: Makefiles, compilers and linkers, CMake projects, dependency graphs."""
