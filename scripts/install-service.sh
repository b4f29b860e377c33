#!/usr/bin/env bash
# Installs Rathaus as systemd services from this checkout (README, "Running as a service").
#
#   scripts/install-service.sh [--mode all|split] [--sip-workers N] [--gpu] [--no-enable]
#                              [--root DIR] [--dry-run]
#
# Creates the system user `rathaus`, /var/lib/rathaus (the data directory), /etc/rathaus with
# rathaus.toml (every default, commented out) and rathaus.env (secrets, mode 0600), copies the
# units from systemd/ with /opt/rathaus replaced by this checkout's path, and, when systemd runs,
# reloads it and enables the chosen set:
#   --mode all    (default) rathaus.service: everything in one process, the simple option;
#   --mode split  rathaus.target with rathaus-phone, rathaus-web and rathaus-worker;
#   --sip-workers N (N > 1, implies split) rathaus-kamailio + rathaus-sip@1..N instead of rathaus-phone.
# The retention timer is enabled in both modes. --gpu adds the drop-in that lets the model units
# reach /dev/nvidia*. --root DIR installs below DIR (for tests and image builds: no user is
# created, nothing is enabled); --dry-run prints what it would do and changes nothing.
# Running it again keeps an existing rathaus.toml and rathaus.env.
set -euo pipefail

SRC="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ROOT="/"
MODE="all"
WORKERS=1
GPU=0
ENABLE=1
DRY=0

usage() { sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; }
die() { echo "install-service: $*" >&2; exit 1; }

while [ $# -gt 0 ]; do
  case "$1" in
    --root) ROOT="${2:?--root needs a directory}"; shift 2 ;;
    --mode) MODE="${2:?--mode needs all or split}"; shift 2 ;;
    --sip-workers) WORKERS="${2:?--sip-workers needs a number}"; shift 2 ;;
    --gpu) GPU=1; shift ;;
    --no-enable) ENABLE=0; shift ;;
    --dry-run) DRY=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) die "unknown option $1 (see --help)" ;;
  esac
done
case "$MODE" in all|split) ;; *) die "--mode must be all or split" ;; esac
[[ "$WORKERS" =~ ^[1-9][0-9]*$ ]] || die "--sip-workers must be a positive number"
[ "$WORKERS" -gt 1 ] && MODE="split"
[ -x "$SRC/.venv/bin/rathaus" ] || [ "$DRY" -eq 1 ] || die "$SRC/.venv/bin/rathaus is missing: run 'make venv system' in $SRC first"

ROOT="${ROOT%/}"
ETC="$ROOT/etc/rathaus"
STATE="$ROOT/var/lib/rathaus"
UNITS="$ROOT/etc/systemd/system"
REAL_ROOT=0; [ -z "$ROOT" ] && REAL_ROOT=1

run() {
  if [ "$DRY" -eq 1 ]; then echo "+ $*"; else "$@"; fi
}

# write FILE MODE: stdin to FILE (not in dry-run)
write() {
  if [ "$DRY" -eq 1 ]; then echo "+ write $1 (mode $2)"; cat >/dev/null; return; fi
  local tmp; tmp="$(mktemp "$1.XXXXXX")"
  cat >"$tmp"; chmod "$2" "$tmp"; mv -f "$tmp" "$1"
}

# 1. the user: a static system user, see the comment in the units for why not DynamicUser
if [ "$REAL_ROOT" -eq 1 ]; then
  if ! id rathaus >/dev/null 2>&1; then
    run useradd --system --user-group --home-dir /var/lib/rathaus --no-create-home \
      --shell /usr/sbin/nologin --comment "Rathaus assistant" rathaus
  fi
  OWNER=(-o rathaus -g rathaus); CONF_GROUP=(-g rathaus)
else
  OWNER=(); CONF_GROUP=()
fi

# 2. directories: data private to the service user; configuration readable by its group
run install -d -m 0700 "${OWNER[@]}" "$STATE"
run install -d -m 0750 "${CONF_GROUP[@]}" "$ETC"
run install -d -m 0755 "$UNITS"

# 3. configuration: every key of defaults.toml, commented out, so the file documents itself and
#    later defaults still apply to keys nobody changed
if [ -e "$ETC/rathaus.toml" ]; then
  echo "install-service: keeping $ETC/rathaus.toml"
else
  { echo "# Rathaus configuration. Every key below is the default; uncomment and change what you need."
    echo "# Unknown keys are an error. \`rathaus config show\` prints the effective values."
    echo
    sed -E '/^\s*(#|$)/b; /^\[[A-Za-z0-9_.]+\]\s*$/b; s/^/# /' "$SRC/rathaus/defaults.toml"
  } | write "$ETC/rathaus.toml" 0640
  [ "$REAL_ROOT" -eq 1 ] && run chgrp rathaus "$ETC/rathaus.toml"
fi
if [ -e "$ETC/rathaus.env" ]; then
  echo "install-service: keeping $ETC/rathaus.env"
else
  write "$ETC/rathaus.env" 0600 <<EOF
# Environment of every Rathaus unit, read by systemd as root (mode 0600). Secrets go here.
# Password of the first admin of the review page (only used when no admin exists yet):
#RATHAUS_ADMIN_PASSWORD=
# Split services with kamailio (rathaus-kamailio + rathaus-sip@1..N): workers, kamailio's port, first RTP port
RATHAUS_SIP_WORKERS=$WORKERS
#RATHAUS_SIP_PORT=5070
#RATHAUS_RTP_PORT=20000
# CUDA 12 libraries installed with pip (README, "An NVIDIA GPU"):
#LD_LIBRARY_PATH=$SRC/.venv/lib/python3.11/site-packages/nvidia/cublas/lib:$SRC/.venv/lib/python3.11/site-packages/nvidia/cudnn/lib
EOF
fi

# 4. units, with the real checkout path in place of /opt/rathaus
for unit in "$SRC"/systemd/*.service "$SRC"/systemd/*.target "$SRC"/systemd/*.timer; do
  sed "s#/opt/rathaus#$SRC#g" "$unit" | write "$UNITS/$(basename "$unit")" 0644
done
MODEL_UNITS=(rathaus.service rathaus-phone.service rathaus-web.service rathaus-worker.service rathaus-sip@.service)
if [ "$GPU" -eq 1 ]; then
  for unit in "${MODEL_UNITS[@]}"; do
    run install -d -m 0755 "$UNITS/$unit.d"
    write "$UNITS/$unit.d/gpu.conf" 0644 <"$SRC/systemd/rathaus-gpu.conf"
  done
fi

# 4b. ProtectHome=yes hides /home, /root and /run/user from the units: a checkout, venv or Python
#     there (a clone in /home/admin, pyenv's Python in /root/.pyenv) would fail with status=203/EXEC "Permission denied"
#     at start (seen when the units first ran under a real systemd, tests/e2e/test_systemd_boot.py).
#     Those paths are then bound read-only into an otherwise empty, read-only home (ProtectHome=tmpfs).
HOME_BINDS=()
PY="$(readlink -f "$SRC/.venv/bin/python" 2>/dev/null || true)"
for path in "$SRC" "$(readlink -f "$SRC/.venv" 2>/dev/null || true)" "${PY:+$(dirname "$(dirname "$PY")")}"; do
  case "$path" in
    /home/*|/root/*|/run/user/*) [[ " ${HOME_BINDS[*]} " == *" $path "* ]] || HOME_BINDS+=("$path") ;;
  esac
done
if [ "${#HOME_BINDS[@]}" -gt 0 ]; then
  echo "install-service: ${HOME_BINDS[*]} lie in a home directory; the units bind them read-only (home.conf)"
  for unit in "$SRC"/systemd/*.service; do
    grep -q /opt/rathaus "$unit" || continue
    run install -d -m 0755 "$UNITS/$(basename "$unit").d"
    printf '# Written by scripts/install-service.sh: the checkout or its Python lies below a home directory.\n[Service]\nProtectHome=tmpfs\nBindReadOnlyPaths=%s\n' \
      "${HOME_BINDS[*]}" | write "$UNITS/$(basename "$unit").d/home.conf" 0644
  done
fi

# 5. the journal namespace of the units: log lines deleted after [privacy] log_days
LOG_DAYS=30
if [ -x "$SRC/.venv/bin/rathaus" ] && [ -e "$ETC/rathaus.toml" ]; then
  LOG_DAYS="$("$SRC/.venv/bin/rathaus" --config "$ETC/rathaus.toml" config show |
    awk -F' = ' '/^\[/ {section=$0} section=="[privacy]" && $1=="log_days" {print $2}')"
fi
[[ "$LOG_DAYS" =~ ^[0-9]+$ ]] || die "[privacy] log_days must be a number of days, not '$LOG_DAYS'"
if [ "$LOG_DAYS" -gt 0 ]; then
  sed "s/^MaxRetentionSec=.*/MaxRetentionSec=${LOG_DAYS}day/" "$SRC/systemd/journald@rathaus.conf"
else
  sed "/^MaxRetentionSec=/d" "$SRC/systemd/journald@rathaus.conf"
fi | write "$ROOT/etc/systemd/journald@rathaus.conf" 0644

# 6. what to enable
if [ "$MODE" = "all" ]; then
  ENABLE_UNITS=(rathaus.service rathaus-retention.timer)
  DISABLE_UNITS=(rathaus.target rathaus-phone.service rathaus-web.service rathaus-worker.service rathaus-kamailio.service)
elif [ "$WORKERS" -gt 1 ]; then
  ENABLE_UNITS=(rathaus.target rathaus-web.service rathaus-worker.service rathaus-kamailio.service rathaus-retention.timer)
  for i in $(seq 1 "$WORKERS"); do ENABLE_UNITS+=("rathaus-sip@$i.service"); done
  DISABLE_UNITS=(rathaus.service rathaus-phone.service)
else
  ENABLE_UNITS=(rathaus.target rathaus-phone.service rathaus-web.service rathaus-worker.service rathaus-retention.timer)
  DISABLE_UNITS=(rathaus.service rathaus-kamailio.service)
fi

if [ "$REAL_ROOT" -eq 1 ] && [ -d /run/systemd/system ]; then
  run systemctl daemon-reload
  if [ "$ENABLE" -eq 1 ]; then
    run systemctl disable --quiet "${DISABLE_UNITS[@]}" 2>/dev/null || true
    run systemctl enable "${ENABLE_UNITS[@]}"
    echo "install-service: enabled ${ENABLE_UNITS[*]}; start with: systemctl start ${ENABLE_UNITS[0]}"
  fi
else
  echo "install-service: systemd is not running here; later run:"
  echo "  systemctl daemon-reload && systemctl enable --now ${ENABLE_UNITS[*]}"
fi
echo "install-service: units in $UNITS, configuration in $ETC, data in $STATE"
