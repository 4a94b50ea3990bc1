// The app's sections, in sidebar order.
export type SectionId = "projects" | "oauthApps" | "members" | "wixApps" | "settings";

export interface Section {
  id: SectionId;
  label: string;
  /** One line under the title. */
  summary: string;
}

export const sections: readonly Section[] = [
  { id: "projects", label: "Projects", summary: "Wix projects you manage, and the built-in sandbox." },
  { id: "oauthApps", label: "OAuth apps", summary: "Create, inspect, edit and delete a project's OAuth apps." },
  { id: "members", label: "Members", summary: "Test how visitors and members sign in, and inspect their tokens." },
  { id: "wixApps", label: "Wix app OAuth", summary: "Basic and advanced OAuth for Wix app developers." },
  { id: "settings", label: "Settings", summary: "About this app, the OS keyring, and deep links." },
];

export function sectionById(id: string): Section {
  return sections.find((s) => s.id === id) ?? sections[0];
}
