#!/usr/bin/env bash
# Real local message brokers for the amazon-mq pattern: RabbitMQ and ActiveMQ from Debian's packages,
# bound to 127.0.0.1, run without systemd from a scratch state directory, and stopped by the process
# ids this script recorded (never by name).
#
#   scripts/brokers.sh start    install the packages if missing, start both brokers, wait until they
#                               accept connections (idempotent: running brokers are left running)
#   scripts/brokers.sh stop     stop exactly the processes this script started (epmd included)
#   scripts/brokers.sh status   report each broker truthfully (recorded process alive and port open);
#                               exit 0 when both run, 3 otherwise
#
# State: $DECOUPLING_BROKERS_DIR (default ${TMPDIR:-/tmp}/decoupling-patterns-brokers). The local
# runtime reads brokers.json there to find the brokers, and adds the template's broker users.
set -euo pipefail

STATE_DIR="${DECOUPLING_BROKERS_DIR:-${TMPDIR:-/tmp}/decoupling-patterns-brokers}"
RABBIT_DIR="$STATE_DIR/rabbitmq"
ACTIVEMQ_DIR="$STATE_DIR/activemq"
AMQP_PORT=5672
MANAGEMENT_PORT=15672
DIST_PORT=25672
EPMD_PORT=4369
STOMP_PORT=61613
OPENWIRE_PORT=61616
START_TIMEOUT=${BROKERS_START_TIMEOUT:-120}
# RabbitMQ's loopback-only default user manages the template's users locally (Amazon MQ refuses it).
BOOTSTRAP_USER=guest
BOOTSTRAP_PASSWORD=guest

say() { printf 'brokers: %s\n' "$*"; }
die() { printf 'brokers: %s\n' "$*" >&2; exit 1; }

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
alive() { [ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null; }
pid_of() { [ -f "$1" ] && cat "$1" || true; }

wait_for_port() { # name port pidfile
  local deadline=$((SECONDS + START_TIMEOUT))
  until port_open "$2"; do
    alive "$(pid_of "$3")" || die "$1 exited while starting; see its log in $(dirname "$3")"
    [ "$SECONDS" -lt "$deadline" ] || die "$1 did not open port $2 within ${START_TIMEOUT} s; see its log in $(dirname "$3")"
    sleep 0.5
  done
}

install_packages() {
  local missing=()
  [ -x /usr/lib/rabbitmq/bin/rabbitmq-server ] || missing+=(rabbitmq-server)
  [ -f /usr/share/activemq/bin/activemq.jar ] || missing+=(activemq)
  command -v java >/dev/null || missing+=(default-jre-headless)
  [ "${#missing[@]}" -eq 0 ] && return 0
  [ "$(id -u)" -eq 0 ] || die "missing ${missing[*]}: install them (apt-get install ${missing[*]}) or run this as root"
  say "installing ${missing[*]} (apt-get)"
  # Debian's packages start their services on install; keep them from doing so (we start our own).
  local policy=/usr/sbin/policy-rc.d added=0
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy" && added=1
  fi
  local status=0
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"; } >"$STATE_DIR/apt.log" 2>&1 || status=$?
  [ "$added" -eq 1 ] && rm -f "$policy"
  [ "$status" -eq 0 ] || die "apt-get install ${missing[*]} failed; see $STATE_DIR/apt.log"
}

rabbit_env() {
  export HOME="$RABBIT_DIR/home"
  export RABBITMQ_NODENAME=decoupling@localhost
  export RABBITMQ_CONFIG_FILE="$RABBIT_DIR/rabbitmq"
  export RABBITMQ_ENABLED_PLUGINS_FILE="$RABBIT_DIR/enabled_plugins"
  export RABBITMQ_MNESIA_BASE="$RABBIT_DIR/mnesia"
  export RABBITMQ_LOG_BASE="$RABBIT_DIR/log"
  export RABBITMQ_PID_FILE="$RABBIT_DIR/rabbit.pid"
  export RABBITMQ_DIST_PORT=$DIST_PORT
  export RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
  export RABBITMQ_CTL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
  export ERL_EPMD_ADDRESS=127.0.0.1
}

start_rabbitmq() {
  if alive "$(pid_of "$RABBIT_DIR/launcher.pid")" && port_open $AMQP_PORT; then
    say "RabbitMQ already running (pid $(pid_of "$RABBIT_DIR/launcher.pid"))"
    return 0
  fi
  port_open $AMQP_PORT && die "port $AMQP_PORT is in use by a process this script did not start; stop it first"
  # A fresh broker has no local runtime on it: claims left by runtimes that died go with the old one.
  rm -f "$STATE_DIR/rabbitmq.lock"
  rm -rf "$RABBIT_DIR" && mkdir -p "$RABBIT_DIR/home" "$RABBIT_DIR/mnesia" "$RABBIT_DIR/log"
  cat >"$RABBIT_DIR/rabbitmq.conf" <<EOF
listeners.tcp.1 = 127.0.0.1:$AMQP_PORT
management.tcp.ip = 127.0.0.1
management.tcp.port = $MANAGEMENT_PORT
loopback_users.guest = true
log.console = false
log.file.level = warning
EOF
  echo '[rabbitmq_management].' >"$RABBIT_DIR/enabled_plugins"
  rabbit_env
  # Our own epmd on loopback, in the foreground so that its pid is known; an epmd already serving the
  # port belongs to someone else and is left alone (and not recorded).
  if ! port_open $EPMD_PORT; then
    setsid /usr/bin/epmd -address 127.0.0.1 -port $EPMD_PORT >"$RABBIT_DIR/epmd.log" 2>&1 </dev/null &
    echo $! >"$RABBIT_DIR/epmd.pid"
    local deadline=$((SECONDS + 10))
    until port_open $EPMD_PORT; do
      [ "$SECONDS" -lt "$deadline" ] || die "epmd did not start; see $RABBIT_DIR/epmd.log"
      sleep 0.2
    done
  fi
  setsid /usr/lib/rabbitmq/bin/rabbitmq-server >"$RABBIT_DIR/server.log" 2>&1 </dev/null &
  echo $! >"$RABBIT_DIR/launcher.pid"
  wait_for_port RabbitMQ $AMQP_PORT "$RABBIT_DIR/launcher.pid"
  wait_for_port "RabbitMQ management" $MANAGEMENT_PORT "$RABBIT_DIR/launcher.pid"
  say "RabbitMQ $(dpkg-query -W -f='${Version}' rabbitmq-server 2>/dev/null || echo '?') on 127.0.0.1:$AMQP_PORT (management :$MANAGEMENT_PORT)"
}

start_activemq() {
  if alive "$(pid_of "$ACTIVEMQ_DIR/java.pid")" && port_open $STOMP_PORT; then
    say "ActiveMQ already running (pid $(pid_of "$ACTIVEMQ_DIR/java.pid"))"
    return 0
  fi
  port_open $STOMP_PORT && die "port $STOMP_PORT is in use by a process this script did not start; stop it first"
  rm -f "$STATE_DIR/activemq.lock"
  rm -rf "$ACTIVEMQ_DIR" && mkdir -p "$ACTIVEMQ_DIR/conf" "$ACTIVEMQ_DIR/data"
  # Debian's configuration enables OpenWire only; STOMP is what the producer and the local event
  # source speak. Users come from users.properties, which JAAS re-reads on change (the local runtime
  # adds the template's users there).
  cat >"$ACTIVEMQ_DIR/conf/activemq.xml" <<EOF
<beans xmlns="http://www.springframework.org/schema/beans" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
  xsi:schemaLocation="http://www.springframework.org/schema/beans http://www.springframework.org/schema/beans/spring-beans.xsd http://activemq.apache.org/schema/core http://activemq.apache.org/schema/core/activemq-core.xsd">
  <broker xmlns="http://activemq.apache.org/schema/core" useJmx="false" brokerName="decoupling" dataDirectory="$ACTIVEMQ_DIR/data" schedulerSupport="false">
    <persistenceAdapter><kahaDB directory="$ACTIVEMQ_DIR/data/kahadb"/></persistenceAdapter>
    <plugins><jaasAuthenticationPlugin configuration="activemq"/></plugins>
    <transportConnectors>
      <transportConnector name="openwire" uri="tcp://127.0.0.1:$OPENWIRE_PORT"/>
      <transportConnector name="stomp" uri="stomp://127.0.0.1:$STOMP_PORT"/>
    </transportConnectors>
  </broker>
</beans>
EOF
  cat >"$ACTIVEMQ_DIR/conf/login.config" <<EOF
activemq {
    org.apache.activemq.jaas.PropertiesLoginModule required
        org.apache.activemq.jaas.properties.user="users.properties"
        org.apache.activemq.jaas.properties.group="groups.properties"
        reload=true;
};
EOF
  : >"$ACTIVEMQ_DIR/conf/users.properties"
  : >"$ACTIVEMQ_DIR/conf/groups.properties"
  [ -f /etc/activemq/instances-available/main/log4j2.properties ] && cp /etc/activemq/instances-available/main/log4j2.properties "$ACTIVEMQ_DIR/conf/"
  setsid java -Xms64m -Xmx256m \
    --add-opens java.base/java.lang=ALL-UNNAMED --add-opens java.base/java.util=ALL-UNNAMED \
    -Djava.security.auth.login.config="$ACTIVEMQ_DIR/conf/login.config" \
    -Dactivemq.classpath="$ACTIVEMQ_DIR/conf" -Dactivemq.home=/usr/share/activemq -Dactivemq.base="$ACTIVEMQ_DIR" \
    -Dactivemq.conf="$ACTIVEMQ_DIR/conf" -Dactivemq.data="$ACTIVEMQ_DIR/data" \
    -Dlog4j2.configurationFile="$ACTIVEMQ_DIR/conf/log4j2.properties" \
    -jar /usr/share/activemq/bin/activemq.jar start "xbean:file:$ACTIVEMQ_DIR/conf/activemq.xml" \
    >"$ACTIVEMQ_DIR/server.log" 2>&1 </dev/null &
  echo $! >"$ACTIVEMQ_DIR/java.pid"
  wait_for_port ActiveMQ $STOMP_PORT "$ACTIVEMQ_DIR/java.pid"
  say "ActiveMQ $(dpkg-query -W -f='${Version}' activemq 2>/dev/null || echo '?') on 127.0.0.1:$STOMP_PORT (STOMP), :$OPENWIRE_PORT (OpenWire)"
}

write_state() {
  cat >"$STATE_DIR/brokers.json" <<EOF
{
  "rabbitmq": { "host": "127.0.0.1", "amqpPort": $AMQP_PORT, "managementPort": $MANAGEMENT_PORT, "user": "$BOOTSTRAP_USER", "password": "$BOOTSTRAP_PASSWORD", "pidFile": "$RABBIT_DIR/launcher.pid" },
  "activemq": { "host": "127.0.0.1", "stompPort": $STOMP_PORT, "openwirePort": $OPENWIRE_PORT, "usersFile": "$ACTIVEMQ_DIR/conf/users.properties", "groupsFile": "$ACTIVEMQ_DIR/conf/groups.properties", "pidFile": "$ACTIVEMQ_DIR/java.pid" }
}
EOF
}

stop_group() { # name pidfile
  local pid
  pid=$(pid_of "$2")
  if alive "$pid"; then
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    local deadline=$((SECONDS + 30))
    while alive "$pid" && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.3; done
    alive "$pid" && { kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true; }
    say "stopped $1 (pid $pid)"
  fi
  rm -f "$2"
}

stop() {
  if [ -f "$RABBIT_DIR/launcher.pid" ] && alive "$(pid_of "$RABBIT_DIR/launcher.pid")"; then
    rabbit_env
    timeout 30 /usr/lib/rabbitmq/bin/rabbitmqctl -q stop >/dev/null 2>&1 || true
  fi
  stop_group RabbitMQ "$RABBIT_DIR/launcher.pid"
  stop_group epmd "$RABBIT_DIR/epmd.pid"
  stop_group ActiveMQ "$ACTIVEMQ_DIR/java.pid"
  rm -f "$STATE_DIR/brokers.json"
}

status() {
  local ok=0
  if alive "$(pid_of "$RABBIT_DIR/launcher.pid")" && port_open $AMQP_PORT; then
    say "RabbitMQ running: pid $(pid_of "$RABBIT_DIR/launcher.pid"), 127.0.0.1:$AMQP_PORT"
  else
    say "RabbitMQ not running"
    ok=3
  fi
  if alive "$(pid_of "$ACTIVEMQ_DIR/java.pid")" && port_open $STOMP_PORT; then
    say "ActiveMQ running: pid $(pid_of "$ACTIVEMQ_DIR/java.pid"), 127.0.0.1:$STOMP_PORT (STOMP)"
  else
    say "ActiveMQ not running"
    ok=3
  fi
  return $ok
}

case "${1:-}" in
  start)
    mkdir -p "$STATE_DIR"
    install_packages
    start_rabbitmq
    start_activemq
    write_state
    say "state in $STATE_DIR; stop with scripts/brokers.sh stop"
    ;;
  stop) stop ;;
  status) status ;;
  *)
    echo "usage: scripts/brokers.sh start|stop|status" >&2
    exit 2
    ;;
esac
