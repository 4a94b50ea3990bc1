import type { NewProject, ProjectTarget } from "./bindings";

export type Scope = "site" | "account";

export interface ProjectForm {
  name: string;
  apiKey: string;
  scope: Scope;
  scopeId: string;
}

/** The request the form describes. Validation happens in Rust; this only shapes the input. */
export function toNewProject(form: ProjectForm): NewProject {
  const id = form.scopeId.trim();
  const target: ProjectTarget = form.scope === "site" ? { type: "site", siteId: id } : { type: "account", accountId: id };
  return { name: form.name.trim(), apiKey: form.apiKey.trim(), target };
}

/** One line describing what a project addresses. */
export function describeTarget(target: ProjectTarget): string {
  switch (target.type) {
    case "sandbox":
      return "Local Wix emulator, built in";
    case "site":
      return `Site ${target.siteId}`;
    case "account":
      return `Account ${target.accountId}`;
  }
}
