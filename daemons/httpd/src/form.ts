/** VAPIX form arguments live in core (daemons' routes parse them too). */
export { FormArgs, MAX_FORM_ARGS, escapeEcho, parseForm } from '@belfry/core/http';
