// Layer and activation kernels of minidl::nn (forward + gradient formulas in src/nn/).
// Python's minidl.nn modules and minidl.nn.functional call these; C++ programs call them
// directly. Declarations are added by the work that implements them.
#pragma once
#include "minidl/tensor.hpp"
