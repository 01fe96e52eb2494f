const path = require('path');
const { task, src, dest, parallel } = require('gulp');

// Node and credential icons are referenced as `file:` paths next to the compiled files.
function copyIcons(folder) {
	const copy = () =>
		src(path.resolve(folder, '**', '*.svg'), { encoding: false }).pipe(dest(path.resolve('dist', folder)));
	copy.displayName = `copy ${folder} icons`;
	return copy;
}

task('build:icons', parallel(copyIcons('nodes'), copyIcons('credentials')));
