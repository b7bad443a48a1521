import { ApiError } from '../shared/errors';
import { requestErrors } from '../shared/json-request';

export { ValidationError, type FieldProblem } from '../shared/validation-error';

/** The errors of the LLM proxy, each with its status and code: the one place they are defined. */
export const proxyErrors = {
  ...requestErrors,
  llmNotEnabled: (appId: string) =>
    new ApiError(403, 'llm_not_enabled', `App ${appId} has no model access: its config needs the llm.complete scope.`, { appId }),
  appRefused: (reason: string) => new ApiError(403, 'app_not_allowed', 'The calling app may not be used right now.', { reason }),
  templateNotFound: (templateId: string) => new ApiError(404, 'template_not_found', `There is no prompt template "${templateId}".`, { templateId }),
  templateNotAllowed: (templateId: string, appId: string) =>
    new ApiError(403, 'template_not_allowed', `App ${appId} may not use the prompt template "${templateId}".`, { templateId, appId }),
  freeFormNotAllowed: (appId: string) =>
    new ApiError(403, 'free_form_not_allowed', `App ${appId} may only use server-side prompt templates (send templateId and variables).`, { appId }),
  noModelForDataClass: (dataClass: string) =>
    new ApiError(
      403,
      'no_model_for_data_class',
      dataClass === 'confidential' || dataClass === 'regulated'
        ? `Apps handling ${dataClass} data may only call a privately hosted model, and this environment hosts none for them.`
        : `No model is allowed for ${dataClass} data in this environment.`,
      { dataClassification: dataClass },
    ),
  modelNotAllowed: (model: string, allowed: readonly string[]) =>
    new ApiError(403, 'model_not_allowed', `The model "${model}" is not allowed for this app.`, { model, allowed }),
  modelUnavailable: (model: string) =>
    new ApiError(503, 'model_unavailable', `The model "${model}" is not reachable from this environment.`, { model }),
  tokenBudgetExceeded: (budget: number, used: number, retryAfterSeconds: number) =>
    new ApiError(429, 'token_budget_exceeded', 'The app has used its daily token budget; try again after the period resets.', {
      dailyTokenBudget: budget,
      tokensUsed: used,
      retryAfterSeconds,
    }),
  requestOverBudget: (reserved: number, budget: number) =>
    new ApiError(422, 'request_exceeds_token_budget', 'The prompt and output cap need more tokens than the app\'s whole daily budget: shorten the prompt or lower maxOutputTokens.', {
      tokensNeeded: reserved,
      dailyTokenBudget: budget,
    }),
  modelFailed: (model: string, cause: unknown) =>
    new ApiError(502, 'model_error', `The model "${model}" did not answer.`, { model }, cause),
  modelTimedOut: (model: string, cause: unknown) =>
    new ApiError(504, 'model_timeout', `The model "${model}" did not answer in time.`, { model }, cause),
  modelRefusedInput: (model: string, cause: unknown) =>
    new ApiError(422, 'model_refused_input', `The model "${model}" refused the request (too long for it, or invalid).`, { model }, cause),
};
