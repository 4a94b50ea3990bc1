import { mount } from "svelte";
import "./app.css";
import App from "./App.svelte";
import { openEvents } from "./lib/events";

const target = document.getElementById("app");
if (!target) throw new Error("index.html has no #app element");
// The app's events arrive over a channel opened now, before any view asks for them.
void openEvents();
export default mount(App, { target });
