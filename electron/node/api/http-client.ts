/** Calls a running node's HTTP API with its token (used by the CLI and by tests). */
import { NoesisError } from '../errors.ts';
import type { MethodInput, MethodName, MethodResult } from './contract.ts';
import type { ApiFile } from './discovery.ts';

export async function callApi<M extends MethodName>(
  api: Pick<ApiFile, 'origin' | 'token'>,
  method: M,
  input: MethodInput<M>,
): Promise<MethodResult<M>> {
  const res = await fetch(`${api.origin}/api/${method}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${api.token}`, 'content-type': 'application/json' },
    body: JSON.stringify(input),
  });
  const body = (await res.json()) as unknown;
  if (!res.ok) {
    const error = (body as { error?: { code?: string; message?: string; data?: object } }).error;
    throw new NoesisError(
      error?.code ?? 'API_HTTP_ERROR',
      error?.message ?? `HTTP ${res.status}`,
      (error?.data as Record<string, unknown>) ?? {},
    );
  }
  return body as MethodResult<M>;
}
