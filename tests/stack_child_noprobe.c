/* stack_child_noprobe: stack_child built without stack probes, as code
 * compiled without -fstack-clash-protection (tests/CMakeLists.txt gives
 * this file -fno-stack-clash-protection, after gort::gort's flags). */
#include "stack_child.c"
