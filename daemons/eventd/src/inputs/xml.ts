/**
 * `VirtualInputResponse` documents (§2.11, virtualinput1), byte for byte as the devices we match
 * answer them: HTTP 200 and `text/xml` for successes and errors alike.
 */

const HEAD =
  '<?xml version="1.0" encoding="utf-8" ?>\n<VirtualInputResponse xmlns="http://www.axis.com/vapix/http_cgi/virtualinput1" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" SchemaVersion="1.1" xsi:schemaLocation="http://www.axis.com/vapix/http_cgi/virtualinput1 http://www.axis.com/vapix/http_cgi/virtualinput1_0.xsd">\n';
const TAIL = '\n</VirtualInputResponse>\n';

export const SCHEMA = { major: 1, minor: 1 } as const;

/** The GeneralError codes of virtualinput1. */
export const VI_ERROR = { missing: 10, noSuchInput: 20, schemaVersion: 30, internal: 40, duration: 50 } as const;

function escapeXml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function changeSuccess(what: 'Activate' | 'Deactivate', changed: boolean): string {
  return `${HEAD} <Success><${what}Success><StateChanged>${changed}</StateChanged></${what}Success></Success>${TAIL}`;
}

export function schemaVersions(): string {
  return `${HEAD} <Success><GetSchemaVersionsSuccess><SchemaVersion><MajorVersion>${SCHEMA.major}</MajorVersion><MinorVersion>${SCHEMA.minor}</MinorVersion><Deprecated>false</Deprecated></SchemaVersion></GetSchemaVersionsSuccess></Success>${TAIL}`;
}

export function generalError(code: number, description: string): string {
  return `${HEAD} <Error><GeneralError><ErrorCode>${code}</ErrorCode><ErrorDescription>${escapeXml(description)}</ErrorDescription></GeneralError></Error>${TAIL}`;
}
