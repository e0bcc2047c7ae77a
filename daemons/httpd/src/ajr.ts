/** The AJR envelope (§1.4) lives in core: daemons' AJR routes use it too. */
export { OLD, NEW, parseAjr, echo, ajrData, ajrBody as ajrError, versionOk, type AjrRequest, type AjrError } from '@belfry/core/http';
export type { AjrEcho } from '@belfry/core/http';
