import type { RouteSpec } from '@belfry/core/contract';

/** certd's SOAP certificate service routes (§9.3), owned by the SOAP part (`soap/`). */
export const SOAP_ROUTES: RouteSpec[] = [];
