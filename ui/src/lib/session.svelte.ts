// App-wide UI state: the project list and which project the other sections work on.
import { commands, type OAuthAppFields, type Project } from "./bindings";

class Session {
  projects = $state<Project[]>([]);
  currentProjectId = $state<string>("sandbox");
  /** Unsaved OAuth app edits by `<project>/<client ID>`: kept when the user navigates away and comes back. */
  /** The OAuth app whose details are open, by client ID: kept across sections. */
  selectedApp = $state<string | null>(null);
  appDrafts = $state<Record<string, OAuthAppFields | null | undefined>>({});

  get currentProject(): Project | undefined {
    return this.projects.find((p) => p.id === this.currentProjectId);
  }

  async refreshProjects(): Promise<void> {
    this.projects = await commands.listProjects();
    if (!this.currentProject && this.projects.length > 0) {
      this.currentProjectId = this.projects[0].id;
      this.selectedApp = null;
    }
  }
}

export const session = new Session();
