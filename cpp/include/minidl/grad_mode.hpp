// Switches for the autograd machinery: recording the graph (minidl.no_grad / enable_grad,
// thread-local) and anomaly detection (minidl.autograd.detect_anomaly, process-wide).
#pragma once
#include <string>

namespace minidl {

struct GradMode {
  static bool enabled();
  static void set_enabled(bool on);
};

// RAII: records nothing while alive, restores the previous mode after.
class NoGradGuard {
 public:
  NoGradGuard() : prev_(GradMode::enabled()) { GradMode::set_enabled(false); }
  ~NoGradGuard() { GradMode::set_enabled(prev_); }
  NoGradGuard(const NoGradGuard&) = delete;
  NoGradGuard& operator=(const NoGradGuard&) = delete;

 private:
  bool prev_;
};

// Anomaly mode (PyTorch's torch.autograd.detect_anomaly). While enabled:
//  - every node recorded keeps a description of where it was made (the Python stack, given by
//    the context provider the bindings install; nothing for C++ users), and
//  - with check_nan, the engine checks each node's input gradients right after the node runs
//    and raises naming the node at the first NaN or Inf.
// Process-wide, as in PyTorch: backward passes read it wherever they run.
struct AnomalyMode {
  static bool enabled();
  static bool check_nan();
  static void set_enabled(bool on, bool check_nan = true);

  using ContextProvider = std::string (*)();
  static void set_context_provider(ContextProvider f);
  // The provider's answer, or "" when there is none.
  static std::string context();
};

}  // namespace minidl
