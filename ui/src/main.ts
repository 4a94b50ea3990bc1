import { mount } from "svelte";
import "./app.css";
import App from "./App.svelte";
import { openEvents } from "./lib/events";
import { followSystemTheme } from "./lib/theme";

const target = document.getElementById("app");
if (!target) throw new Error("index.html has no #app element");
// The app's events arrive over a channel opened now, before any view asks for them.
void openEvents();
void followSystemTheme();
export default mount(App, { target });
