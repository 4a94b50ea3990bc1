// Light or dark, as the desktop says. The app asks the desktop portal (WebKitGTK's prefers-color-scheme is often
// wrong on Linux) and says when it changes; with no portal to ask, the webview's prefers-color-scheme decides.
import { commands, type Theme } from "./bindings";
import { onEvent } from "./events";

export function themeOf(portal: Theme | null, prefersDark: boolean): Theme {
  return portal ?? (prefersDark ? "dark" : "light");
}

export async function followSystemTheme(): Promise<void> {
  const media = window.matchMedia("(prefers-color-scheme: dark)");
  let portal: Theme | null = null;
  const apply = () => {
    document.documentElement.dataset.theme = themeOf(portal, media.matches);
  };
  apply();
  media.addEventListener("change", apply);
  await onEvent("themeChanged", (theme) => {
    portal = theme;
    apply();
  });
  portal = await commands.systemTheme();
  apply();
}
