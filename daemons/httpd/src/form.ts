/** VAPIX form arguments live in core (daemons' routes parse them too). */
export { MAX_FORM_ARGS, parseForm, type FormArgs } from '@belfry/core/http';
