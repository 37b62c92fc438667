// Module registration only. Each file in bindings/ registers its own exports (NG_REGISTER).
#include <vector>

#include "bindings/common.h"

namespace ng {

static std::vector<InitFn>& registry() {
  static std::vector<InitFn> fns;
  return fns;
}
int register_binding(InitFn fn) {
  registry().push_back(fn);
  return 0;
}

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  // Per-instance state; Node deletes it when this environment (thread) is torn down.
  env.SetInstanceData<Instance>(new Instance());
  for (InitFn fn : registry()) fn(env, exports);
  return exports;
}

}  // namespace ng

static Napi::Object InitNativegrad(Napi::Env env, Napi::Object exports) { return ng::Init(env, exports); }
NODE_API_MODULE(nativegrad, InitNativegrad)
