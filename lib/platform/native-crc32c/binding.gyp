{
  "targets": [
    {
      "target_name": "seglog_crc32c",
      "sources": ["crc32c.c"],
      "cflags": ["-O3"]
    }
  ]
}
