// Module entry. State lives in per-environment instance data so the addon
// works in worker threads (DESIGN.md: no C++ statics holding JS references).
#include "common.h"

namespace specl {

AddonData& data(Napi::Env env) { return *env.GetInstanceData<AddonData>(); }

Napi::Object init(Napi::Env env, Napi::Object exports) {
  env.SetInstanceData<AddonData>(new AddonData());
  initTensorHandles(env, exports);
  initDispatch(env, exports);
  initAutograd(env, exports);
  initRuntime(env, exports);
  initSparseKernels(env, exports);
  return exports;
}

}  // namespace specl

static Napi::Object InitSpecl(Napi::Env env, Napi::Object exports) { return specl::init(env, exports); }

NODE_API_MODULE(specl_addon, InitSpecl)
