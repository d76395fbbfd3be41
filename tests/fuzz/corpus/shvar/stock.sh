#!/bin/bash
SELF=$(cd "$(dirname "$0")"; pwd)
NOHUPLOG=/dev/null
#NOHUPLOG=job_jvm_console.log
start() {
  nohup java >>$NOHUPLOG 2>&1 &
}
case "$1" in
 start) start;;
 *) echo usage;;
esac
