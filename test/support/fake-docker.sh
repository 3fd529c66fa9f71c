#!/usr/bin/env bash
echo "docker $*" >>"$FAKE_DIR/calls"
case $* in *":missing"*) exit 1 ;; esac
printf '{\n  "mediaType": "application/vnd.oci.image.index.v1+json",\n  "digest": "sha256:%064d",\n  "size": 1\n}\n' 7
