import { render } from 'preact';
import { App } from './app.js';
import { setLanguage } from './i18n/index.js';
import { applyTheme, savedTheme } from './theme.js';
import './styles.css';

setLanguage('en');
applyTheme(savedTheme());
render(<App />, document.getElementById('app')!);
