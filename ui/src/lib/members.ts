// Pure helpers of the Members section (tested in members.test.ts).
import type { LoginOutcome } from "./bindings";

/** "3 h 59 min", "4 min 05 s", "12 s", or "expired". */
export function countdown(ms: number): string {
  if (ms <= 0) return "expired";
  const s = Math.floor(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  if (h > 0) return `in ${h} h ${m} min`;
  if (m > 0) return `in ${m} min ${String(sec).padStart(2, "0")} s`;
  return `in ${sec} s`;
}

const failureAdvice: Record<string, string> = {
  invalidEmail: "No member has this email (or it is not valid): check it, or register.",
  invalidPassword: "Wrong password.",
  resetPassword: "This member must reset the password first: send a reset email below.",
  emailAlreadyExists: "A member with this email exists: log in instead.",
  missingCaptchaToken: "The site requires a captcha for this login.",
  invalidCaptchaToken: "The captcha token was not accepted.",
};

/** What to tell the user about a custom login's outcome. */
export function loginMessage(outcome: LoginOutcome): string {
  switch (outcome.kind) {
    case "signedIn":
      return "Signed in: member tokens are saved in the OS keyring.";
    case "continueInBrowser":
      return `Wix answered the session token with a page instead of a code (${outcome.reason}), so it opened in your browser: the sign-in finishes there and comes back by itself.`;
    case "verifyEmail":
      return "Wix emailed a verification code: enter it to finish.";
    case "ownerApproval":
      return "The site owner must approve this member before they can sign in.";
    case "failed":
      return (outcome.code && failureAdvice[outcome.code]) || outcome.message;
  }
}
