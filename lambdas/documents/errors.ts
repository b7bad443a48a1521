import { ApiError } from '../shared/errors';
import { requestErrors } from '../shared/json-request';

export { ValidationError, type FieldProblem } from '../shared/validation-error';

/** The errors of the documents API, each with its status and code: the one place they are defined. */
export const documentsErrors = {
  ...requestErrors,
  documentTooLarge: (limit: number) =>
    new ApiError(413, 'document_too_large', `The document is too large to queue: its job would exceed ${limit} bytes.`, {
      limitBytes: limit,
    }),
  notFound: () => new ApiError(404, 'not_found', 'There is no such document.'),
  routeNotFound: () => new ApiError(404, 'route_not_found', 'There is no such resource.'),
  methodNotAllowed: (allowed: readonly string[]) =>
    new ApiError(405, 'method_not_allowed', 'The resource does not support this method.', { allowed }),
};
