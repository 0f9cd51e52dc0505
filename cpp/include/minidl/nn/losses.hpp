// Loss kernels of minidl::nn (forward + gradient formulas in src/nn/).
#pragma once
#include "minidl/tensor.hpp"
