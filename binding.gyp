{
  "targets": [
    {
      "target_name": "pixel_kernels",
      "sources": [
        "src/core/native/kernels/addon.c",
        "src/core/native/kernels/job.c",
        "src/core/native/kernels/pixels.c"
      ],
      "cflags": ["-std=gnu11", "-O3", "-Wall", "-Wextra", "-Wno-unused-parameter", "-fno-strict-aliasing"],
      "cflags!": ["-O2"],
      "xcode_settings": { "OTHER_CFLAGS": ["-std=gnu11", "-O3"] }
    }
  ]
}
