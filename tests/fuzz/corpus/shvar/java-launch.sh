#!/bin/bash
APP=job-exec.jar
start() {
	nohup "$JAVA_HOME/bin/java" $JAVA_OPTS -cp "lib/*" -jar "$HOME_DIR/lib/$APP" >"$NOHUPLOG" 2>&1 &
}
exec java -m job.app/com.example.Job "$@"
