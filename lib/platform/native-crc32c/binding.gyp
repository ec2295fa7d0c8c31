{
  "targets": [
    {
      "target_name": "seglog_crc32c",
      "sources": ["addon.c", "crc32c.c", "record-walk.c"],
      "cflags": ["-O3"]
    }
  ]
}
