// tsc compiles the TypeScript; this copies what it does not: the node and credential icons.
const { task, src, dest } = require('gulp');

task('build:icons', function copyIcons() {
	return src(['nodes/**/*.{png,svg}', 'credentials/**/*.{png,svg}'], { base: '.', encoding: false }).pipe(
		dest('dist'),
	);
});
