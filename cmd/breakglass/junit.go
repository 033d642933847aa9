package main

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/breakglass-dev/breakglass/scenarios"
)

// JUnit XML as CI systems read it (the de facto schema of Ant's JUnit
// task: testsuites > testsuite > testcase, with failure and system-out).
type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name      string      `xml:"name,attr"`
	Tests     int         `xml:"tests,attr"`
	Failures  int         `xml:"failures,attr"`
	Skipped   int         `xml:"skipped,attr"`
	Time      string      `xml:"time,attr"`
	Timestamp string      `xml:"timestamp,attr"`
	Cases     []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitFailure `xml:"failure,omitempty"`
	Skipped   *struct{}     `xml:"skipped,omitempty"`
	SystemOut string        `xml:"system-out,omitempty"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

func seconds(d time.Duration) string { return fmt.Sprintf("%.3f", d.Seconds()) }

// writeJUnit renders one testsuite per drill and one testcase per step, so
// a CI system shows which step of which drill failed.
func writeJUnit(w io.Writer, results []scenarios.Result, took time.Duration, started time.Time) error {
	out := junitSuites{Name: "breakglass drills", Time: seconds(took)}
	for _, r := range results {
		s := junitSuite{Name: r.Scenario, Time: seconds(r.Duration), Timestamp: started.UTC().Format("2006-01-02T15:04:05")}
		for _, st := range r.Steps {
			name := st.Name
			if name == "" {
				name = st.Action
			}
			c := junitCase{Name: fmt.Sprintf("%02d %s", st.Index, name), Classname: strings.ReplaceAll(r.Scenario, "/", "."), Time: seconds(st.Duration), SystemOut: st.Detail}
			switch st.Status {
			case scenarios.Failed:
				text := st.Detail
				if st.Hint != "" {
					text += "\nlikely cause: " + st.Hint
				}
				c.Failure = &junitFailure{Message: st.Detail, Type: "DrillStepFailed", Text: text}
				c.SystemOut = ""
				s.Failures++
			case scenarios.Skipped:
				c.Skipped = &struct{}{}
				s.Skipped++
			}
			s.Tests++
			s.Cases = append(s.Cases, c)
		}
		out.Tests += s.Tests
		out.Failures += s.Failures
		out.Suites = append(out.Suites, s)
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(out); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}
