# Downstream use, as the notes ask: find_package in a scratch project must give @@lib@@::@@lib@@ with its headers.
ls @@prefix@@/lib/cmake/@@lib@@
rm -rf /tmp/downstream && mkdir -p /tmp/downstream
printf '#include "@@lib@@/@@lib@@.h"\nint main(void) { return 0; }\n' > /tmp/downstream/main.c
printf 'cmake_minimum_required(VERSION 3.16)\nproject(downstream C)\nfind_package(@@lib@@ CONFIG REQUIRED)\nadd_executable(d main.c)\ntarget_link_libraries(d PRIVATE @@lib@@::@@lib@@)\n' > /tmp/downstream/CMakeLists.txt
cmake -S /tmp/downstream -B /tmp/downstream/b -DCMAKE_PREFIX_PATH=@@prefix@@ > /tmp/downstream.log
cmake --build /tmp/downstream/b > /tmp/downstream-build.log && echo "downstream find_package works"
