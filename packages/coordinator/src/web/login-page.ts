/**
 * The login page: a form that submits `GET /?token=`. Its texts are fixed
 * strings; nothing from the request (least of all the token) is echoed.
 */
export type LoginNotice = 'none' | 'wrong-token' | 'agent-token' | 'missing-files';

const NOTICES: Record<LoginNotice, string> = {
  none: '',
  'wrong-token': 'That token is not the client token of this coordinator.',
  'agent-token': 'That is the agent credential: it lets agents join, not open the dashboard. Use the client token.',
  'missing-files': 'The dashboard files are not installed with this coordinator (packages/coordinator/dashboard).',
};

export function loginPage(notice: LoginNotice): string {
  const error = notice === 'none' ? '' : `<p class="login-error" role="alert">${NOTICES[notice]}</p>`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>Cohort · sign in</title>
<link rel="stylesheet" href="/dashboard/style.css">
<link rel="stylesheet" href="/dashboard/login.css">
</head>
<body class="login">
<main class="login-box">
<h1><span class="brand">cohort</span> dashboard</h1>
<p>This coordinator needs its client token. It is in the file given to <code>--token-file</code>, or printed at start when it was generated for the run.</p>
${error}
<form method="get" action="/" autocomplete="off">
<label for="token">Client token</label>
<input id="token" name="token" type="password" required autofocus spellcheck="false">
<button type="submit">Open dashboard</button>
</form>
<p class="login-note">The token is exchanged for a session cookie and removed from the address at once.</p>
</main>
</body>
</html>
`;
}
