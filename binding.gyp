{
  "targets": [
    {
      "target_name": "specl",
      "sources": [
        "native/src/addon.cc",
        "native/src/tensor_handle.cc",
        "native/src/ivalue.cc",
        "native/src/dispatch.cc",
        "native/src/autograd.cc",
        "native/src/runtime.cc",
        "native/src/sparse_kernels.cc"
      ],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")",
        "<!@(node native/torch-config.mjs include)"
      ],
      "defines": [
        "NAPI_EXPERIMENTAL",
        "NAPI_CPP_EXCEPTIONS",
        "NODE_ADDON_API_CPP_EXCEPTIONS_ALL",
        "NODE_ADDON_API_DISABLE_DEPRECATED",
        # A worker thread terminated mid-call (process.exit, Worker.terminate) makes every
        # Node-API call fail; without this node-addon-api throws a C++ exception out of the
        # callback wrapper and std::terminate aborts the whole process (exit 134).
        "NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS",
        "<!@(node native/torch-config.mjs defines)"
      ],
      "cflags!": ["-fno-exceptions", "-fno-rtti"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti", "-std=gnu++14", "-std=gnu++17"],
      "cflags_cc": ["-std=c++17", "-fexceptions", "-frtti", "-O2", "-Wno-deprecated-declarations", "-Wno-unused-parameter"],
      "libraries": ["<!@(node native/torch-config.mjs libs)"]
    }
  ]
}
