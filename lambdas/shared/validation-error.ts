import { ApiError } from './errors';

/** One problem with one field of a request: the field's path (e.g. `tags.2`, `filter.app`) and what is wrong. */
export interface FieldProblem {
  readonly field: string;
  readonly message: string;
}

/** 400 naming every offending field in `details.fields`. */
export class ValidationError extends ApiError {
  constructor(readonly fields: readonly FieldProblem[]) {
    super(400, 'validation_failed', 'The request is invalid; see details.fields.');
    this.name = 'ValidationError';
  }

  // The shared details type holds scalars only; the field list is added to the envelope here.
  override toBody(): Record<string, unknown> {
    return { ...super.toBody(), details: { ...this.details, fields: this.fields } };
  }
}
