// SPDX-License-Identifier: MIT
/* What every transport shares: closing one. */
#include <stddef.h>

#include "vrc/transport.h"

void vrc_transport_close(struct vrc_transport *t)
{
	if (t && t->ops && t->ops->destroy)
		t->ops->destroy(t);
}
