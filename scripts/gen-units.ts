// `make units`: writes rootfs-overlay's systemd units from daemons/core/src/services.ts.
import { writeUnits } from '../launcher/src/gen-units.ts';
console.log(writeUnits().join('\n'));
