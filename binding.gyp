{
  "targets": [
    {
      "target_name": "pixel_kernels",
      "sources": ["<!@(node scripts/kernel-sources.mjs)"],
      "cflags": ["-std=gnu11", "-O3", "-Wall", "-Wextra", "-Wno-unused-parameter", "-fno-strict-aliasing"],
      "cflags!": ["-O2"],
      "libraries": ["-ldeflate"],
      "xcode_settings": { "OTHER_CFLAGS": ["-std=gnu11", "-O3"] }
    }
  ]
}
