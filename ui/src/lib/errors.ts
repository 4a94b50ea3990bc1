import type { AppError } from "./bindings";

/** Short titles for each error code; the message itself says what happened and what to do next. */
const titles: Record<AppError["code"], string> = {
  keyring: "OS keyring problem",
  invalidInput: "Check your input",
  notFound: "Not found",
  storage: "Could not save",
  wix: "Wix refused",
  network: "Could not reach Wix",
  outcomeUnknown: "Result unknown",
  browser: "Could not open the browser",
  sandbox: "Sandbox problem",
  installRefused: "Install refused",
  taskFailed: "Please try again",
  internal: "Something went wrong",
};

export interface ShownError {
  title: string;
  message: string;
  field?: string;
}

/** Turn whatever a command rejected with into something the UI can show. */
export function showError(error: unknown): ShownError {
  if (isAppError(error)) {
    return {
      title: titles[error.code],
      message: error.message,
      field: error.code === "invalidInput" ? error.field : undefined,
    };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { title: titles.internal, message };
}

export function isAppError(value: unknown): value is AppError {
  if (typeof value !== "object" || value === null) return false;
  const v = value as { code?: unknown; message?: unknown };
  return typeof v.code === "string" && v.code in titles && typeof v.message === "string";
}
