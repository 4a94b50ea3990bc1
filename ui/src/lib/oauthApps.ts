import { commands, type OAuthAppDetails, type OAuthAppFields, type OAuthAppRow } from "./bindings";

/** Add `uri` to an app's allowed redirect URIs (one field in the mask: nobody else's edits are touched). */
export function addRedirectUri(projectId: string, app: OAuthAppDetails, uri: string) {
  const original = app.fields;
  const edited = { ...original, allowedRedirectUris: [...original.allowedRedirectUris, uri] };
  return commands.updateOauthApp(projectId, app.id, original, edited);
}

export const applicationTypes: readonly { value: string; label: string }[] = [
  { value: "WEB_APP", label: "Web app" },
  { value: "MOBILE", label: "Mobile" },
  { value: "OTHER", label: "Other" },
  { value: "OAUTH_APP_TYPE_UNSPECIFIED", label: "Unspecified" },
];

export const technologies: readonly { value: string; label: string }[] = [
  { value: "JAVASCRIPT", label: "JavaScript" },
  { value: "REACT", label: "React" },
  { value: "ANGULAR", label: "Angular" },
  { value: "VUE", label: "Vue" },
  { value: "REACT_NATIVE", label: "React Native" },
  { value: "IOS", label: "iOS" },
  { value: "ANDROID", label: "Android" },
  { value: "OTHER_TECHNOLOGY", label: "Other" },
  { value: "OAUTH_TECHNOLOGY_UNSPECIFIED", label: "Unspecified" },
];

/** A label for a wire value; values Wix adds later are shown as they are. */
export function labelOf(options: readonly { value: string; label: string }[], value: string): string {
  if (!value) return "—";
  return options.find((o) => o.value === value)?.label ?? value;
}

export function emptyFields(): OAuthAppFields {
  return {
    name: "",
    description: "",
    applicationType: "WEB_APP",
    technology: "JAVASCRIPT",
    allowedRedirectUris: [],
    allowedRedirectDomains: [],
    loginUrl: "",
    logoutUrl: "",
    wixPagesDomainsMappings: [],
    redirectUrlWixPages: "",
  };
}

/** Names of the fields that differ: what an edit would send. */
export function changedFields(original: OAuthAppFields, edited: OAuthAppFields): (keyof OAuthAppFields)[] {
  return (Object.keys(original) as (keyof OAuthAppFields)[]).filter(
    (key) => JSON.stringify(original[key]) !== JSON.stringify(edited[key]),
  );
}

/** The rows whose name contains `query` (case-insensitive); all rows for an empty query. */
export function searchByName(rows: readonly OAuthAppRow[], query: string): OAuthAppRow[] {
  const q = query.trim().toLowerCase();
  return q ? rows.filter((r) => r.name.toLowerCase().includes(q)) : [...rows];
}

export type EnvTemplate = "astro" | "nextjs" | "vite" | "node";

export const envTemplates: readonly { value: EnvTemplate; label: string }[] = [
  { value: "astro", label: "Astro (Wix Headless template)" },
  { value: "nextjs", label: "Next.js" },
  { value: "vite", label: "Vite / React" },
  { value: "node", label: "Node.js server" },
];

/**
 * A `.env` snippet for a Headless template. The secret is only included when it is passed in, which the UI does
 * only after an explicit request.
 */
export function envSnippet(template: EnvTemplate, clientId: string, secret?: string): string {
  const name = {
    astro: "WIX_CLIENT_ID",
    nextjs: "NEXT_PUBLIC_WIX_CLIENT_ID",
    vite: "VITE_WIX_CLIENT_ID",
    node: "WIX_CLIENT_ID",
  }[template];
  const lines = [`${name}=${clientId}`];
  if (secret) lines.push(`WIX_CLIENT_SECRET=${secret}`);
  return lines.join("\n") + "\n";
}
