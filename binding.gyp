{
  "targets": [
    {
      "target_name": "packet_socket",
      "sources": ["speaker/native/packet_socket.cc"],
      "include_dirs": ["node_modules/node-addon-api"],
      "defines": ["NAPI_VERSION=8", "NODE_ADDON_API_DISABLE_CPP_EXCEPTIONS"],
      "cflags": ["-fno-exceptions", "-Wall", "-Wextra", "-Wno-unused-parameter"],
      "cflags_cc": ["-fno-exceptions", "-std=c++17", "-O2"]
    }
  ]
}
