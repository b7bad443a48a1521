import { ApiError } from '../shared/errors';
import { requestErrors } from '../shared/json-request';

export { ValidationError, type FieldProblem } from '../shared/validation-error';

/** The errors of the notes API, each with its status and code: the one place they are defined. */
export const notesErrors = {
  ...requestErrors,
  invalidBody: (field: string) =>
    new ApiError(400, 'invalid_body', 'A string of the body is not valid Unicode (a lone UTF-16 surrogate).', { field }),
  invalidCursor: () => new ApiError(400, 'invalid_cursor', 'The cursor is not one this API returned.', { parameter: 'cursor' }),
  invalidHeader: (header: string, message: string) => new ApiError(400, 'invalid_header', message, { header }),
  notFound: () => new ApiError(404, 'not_found', 'There is no such note.'),
  routeNotFound: () => new ApiError(404, 'route_not_found', 'There is no such resource.'),
  methodNotAllowed: (allowed: readonly string[]) =>
    new ApiError(405, 'method_not_allowed', 'The resource does not support this method.', { allowed }),
  preconditionRequired: () =>
    new ApiError(428, 'precondition_required', 'Send If-Match with the ETag of the note you are changing.', { header: 'If-Match' }),
  versionConflict: (currentVersion: number) =>
    new ApiError(409, 'version_conflict', 'The note has changed since you read it.', { currentVersion }),
  notDeleted: () => new ApiError(409, 'not_deleted', 'The note is not deleted.'),
  idempotencyKeyReused: () =>
    new ApiError(422, 'idempotency_key_reused', 'This Idempotency-Key was used with a different request.', {
      header: 'Idempotency-Key',
    }),
};
