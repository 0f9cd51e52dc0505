// Thread-local switch for recording the autograd graph (minidl.no_grad / enable_grad).
#pragma once

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

}  // namespace minidl
