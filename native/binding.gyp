{
  "targets": [
    {
      "target_name": "gan_augment_native",
      "sources": ["src/addon.c", "src/conv.c", "src/blas.c", "src/pool.c"],
      "cflags": ["-O3", "-std=c11", "-fno-strict-aliasing", "-pthread"],
      "xcode_settings": { "OTHER_CFLAGS": ["-O3", "-std=c11"] },
      "conditions": [
        ["OS=='linux'", { "libraries": ["-ldl", "-lpthread"] }]
      ]
    }
  ]
}
