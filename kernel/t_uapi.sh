#!/bin/sh
# The reference patches and libvrc must speak the same ABI: take the
# definitions the patches add (include/uapi/linux/vfio.h and the GVT event
# values and threshold in gvt/display.h), compile them next to
# lib/include/vrc/uapi.h and assert every id, value and layout equal.
# Runs in make test (fast: no kernel tree needed), TAP output.
b=${VRC_BUILD:-build}
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
cc=${CC:-cc}
out="$b/kernel-uapi"
mkdir -p "$out" || exit 1

# The '+' lines of one file's hunks in a patch, as C. Lines inside the
# patched struct vfio_irq_info (a field and a flag) are dropped: that
# struct is already in <linux/vfio.h>, its new layout is checked apart.
added() {	# added PATCH FILE
	awk -v f="$2" '
		/^diff --git / { on = ($0 ~ (" b/" f "$")); next }
		on && /^\+\+\+ / { next }
		on && /^\+/ { print substr($0, 2) }
	' "$1" | awk '
		# continuation lines of a comment the patch extends, not adds
		/^\/\*/ { inc = 1 }
		/^ \*/ && !inc { next }
		/\*\// { if (inc) { inc = 0; print; next } }
		/^struct vfio_irq_info \{/ { skip = 1 }
		skip { if (/^\};/) skip = 0; next }
		/^	__u32	cap_offset;/ { next }
		{ print }
	' | sed 's/struct vfio_irq_info_cap/struct kp_irq_info_cap/g'
}

n=0
fail=0
t() {	# t NAME: compile $out/NAME.c, ok if it builds
	n=$((n + 1))
	if "$cc" -std=gnu11 -Wall -Wextra -Werror -I"$top/lib/include" \
		-I"$top/harness/vgpu-sim" -c -o "$out/$1.o" "$out/$1.c" 2>"$out/$1.err"; then
		echo "ok $n $1"
	else
		sed 's/^/# /' "$out/$1.err"
		echo "not ok $n $1"
		fail=1
	fi
}

# gen VER: the header of the series for VER, or nothing if it lacks a patch
gen() {
	p1=$(ls "$here/$1"/0001-*.patch 2>/dev/null)
	p2=$(ls "$here/$1"/0002-*.patch 2>/dev/null)
	[ -n "$p1" ] && [ -n "$p2" ] || return 1
	{
		echo "#include <linux/types.h>"
		echo "#include <linux/vfio.h>"
		echo "#define BIT(n) (1UL << (n))"
		echo "#define BIT_ULL(n) (1ULL << (n))"
		added "$p1" include/uapi/linux/vfio.h
		added "$p2" drivers/gpu/drm/i915/gvt/display.h |
			grep -E '^#define GVT_DISPLAY_(PRI|CUR)_EVENT_VAL|^#define GVT_DISPLAY_IDLE_THRESHOLD'
	} >"$out/series-$1.h"
}

echo "TAP version 13"
echo "1..3"

if gen 6.1; then
	cat >"$out/uapi-6.1.c" <<EOF
/* the 6.1 series speaks the v6 ABI of lib/include/vrc/uapi.h */
#include <stddef.h>
#include "series-6.1.h"
#include "vrc/uapi.h"
#include "model.h"
#define EQ(a, b) _Static_assert((a) == (b), #a " != " #b)
EQ(VFIO_IRQ_INFO_FLAG_CAPS, VRC_IRQ_INFO_FLAG_CAPS);
EQ(VFIO_IRQ_INFO_CAP_TYPE, VRC_V6_CAP_TYPE);
EQ(VFIO_IRQ_INFO_CAP_DISPLAY, VRC_V6_CAP_DISPLAY);
EQ(VFIO_IRQ_TYPE_GFX, VRC_IRQ_TYPE_GFX);
EQ(VFIO_IRQ_SUBTYPE_GFX_DISPLAY_IRQ, VRC_IRQ_SUBTYPE_GFX_DISPLAY_IRQ);
EQ(sizeof(struct kp_irq_info_cap_type), sizeof(struct vrc_cap_irq_type));
EQ(offsetof(struct kp_irq_info_cap_type, subtype), offsetof(struct vrc_cap_irq_type, subtype));
EQ(sizeof(struct kp_irq_info_cap_display_plane_events), sizeof(struct vrc_cap_display_events));
EQ(offsetof(struct kp_irq_info_cap_display_plane_events, cur_event_val),
   offsetof(struct vrc_cap_display_events, cur_event_val));
EQ(offsetof(struct kp_irq_info_cap_display_plane_events, pri_event_val),
   offsetof(struct vrc_cap_display_events, pri_event_val));
EQ(GVT_DISPLAY_PRI_EVENT_VAL, VRC_GVT_PRI_EVENT_VAL);
EQ(GVT_DISPLAY_CUR_EVENT_VAL, VRC_GVT_CUR_EVENT_VAL);
EQ(GVT_DISPLAY_IDLE_THRESHOLD, VGPU_IDLE_THR);
/* the GVT chain of SPEC section 1: 20 + 16 + 24 = 60 bytes */
EQ(VRC_IRQ_INFO_SZ + sizeof(struct kp_irq_info_cap_type) +
   sizeof(struct kp_irq_info_cap_display_plane_events), VRC_GVT_IRQ_INFO_ARGSZ);
EOF
	t uapi-6.1
else
	n=$((n + 1)); echo "not ok $n uapi-6.1 # kernel/6.1 lacks patch 0001 or 0002"; fail=1
fi

# the v7 series (6.12, and 7.2 for Debian's current kernel) share the ABI
for v in 6.12 7.2; do
	if ! gen "$v"; then
		n=$((n + 1)); echo "not ok $n uapi-$v # kernel/$v lacks patch 0001 or 0002"; fail=1
		continue
	fi
	cat >"$out/uapi-$v.c" <<EOF
/* the $v series speaks the v7 ABI of lib/include/vrc/uapi.h */
#include <stddef.h>
#include "series-$v.h"
#include "vrc/uapi.h"
#include "model.h"
#define EQ(a, b) _Static_assert((a) == (b), #a " != " #b)
EQ(VFIO_IRQ_INFO_FLAG_CAPS, VRC_IRQ_INFO_FLAG_CAPS);
EQ(VFIO_IRQ_INFO_CAP_TYPE, VRC_V7_CAP_TYPE);
EQ(VFIO_IRQ_INFO_CAP_DISPLAY_PLANES, VRC_V7_CAP_PLANES);
EQ(VFIO_IRQ_TYPE_GFX, VRC_IRQ_TYPE_GFX);
EQ(VFIO_IRQ_SUBTYPE_GFX_DISPLAY_IRQ, VRC_IRQ_SUBTYPE_GFX_DISPLAY_IRQ);
EQ(sizeof(struct kp_irq_info_cap_type), sizeof(struct vrc_cap_irq_type));
EQ(sizeof(struct kp_irq_info_cap_display_planes), sizeof(struct vrc_cap_display_planes));
EQ(offsetof(struct kp_irq_info_cap_display_planes, nr_planes),
   offsetof(struct vrc_cap_display_planes, nr_planes));
EQ(offsetof(struct kp_irq_info_cap_display_planes, plane_type),
   offsetof(struct vrc_cap_display_planes, plane_type));
EQ(GVT_DISPLAY_IDLE_THRESHOLD, VGPU_IDLE_THR);
EOF
	t "uapi-$v"
done
exit $fail
