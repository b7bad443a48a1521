import { ApiError } from '../shared/errors';

export { ValidationError, type FieldProblem } from '../shared/validation-error';

/** The errors of the documents API, each with its status and code: the one place they are defined. */
export const documentsErrors = {
  invalidJson: () => new ApiError(400, 'invalid_json', 'The request body is not valid JSON.'),
  unsupportedMediaType: () =>
    new ApiError(415, 'unsupported_media_type', 'Send the body as application/json (UTF-8).', { header: 'Content-Type' }),
  payloadTooLarge: (limit: number) =>
    new ApiError(413, 'payload_too_large', `The request body exceeds ${limit} bytes.`, { limitBytes: limit }),
  documentTooLarge: (limit: number) =>
    new ApiError(413, 'document_too_large', `The document is too large to queue: its job would exceed ${limit} bytes.`, {
      limitBytes: limit,
    }),
  missingScope: (scope: string) => new ApiError(403, 'insufficient_scope', `This route requires the scope ${scope}.`, { scope }),
  notFound: () => new ApiError(404, 'not_found', 'There is no such document.'),
  routeNotFound: () => new ApiError(404, 'route_not_found', 'There is no such resource.'),
  methodNotAllowed: (allowed: readonly string[]) =>
    new ApiError(405, 'method_not_allowed', 'The resource does not support this method.', { allowed }),
};
